package zktest

import (
	"net"
	"sync"
	"testing"
)

// Proxy forwards TCP connections from its loopback address to a target.
// Block stops it forwarding bytes in both directions, on existing and new
// connections, as a network partition would (TCP holds the bytes; they
// flow again on Unblock, unless a side gave up and closed meanwhile).
// BlockReplies stops only the target's replies: requests still arrive
// and are acted on, but the client hears nothing.
type Proxy struct {
	target string
	ln     net.Listener
	wg     sync.WaitGroup

	mu struct {
		sync.Mutex
		cond      *sync.Cond
		blockUp   bool // client -> target
		blockDown bool // target -> client
		closed    bool
		conns     map[*proxyConn]struct{}
	}
}

type proxyConn struct {
	client, server net.Conn
	dropped        bool // guarded by Proxy.mu
}

// StartProxy starts a proxy to target for the test, closed at its end.
func StartProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	p, err := NewProxy(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// NewProxy starts a proxy to target on a free loopback port.
func NewProxy(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{target: target, ln: ln}
	p.mu.cond = sync.NewCond(&p.mu.Mutex)
	p.mu.conns = map[*proxyConn]struct{}{}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the proxy's address (host:port).
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		pc := &proxyConn{client: c, server: s}
		p.mu.Lock()
		if p.mu.closed {
			p.mu.Unlock()
			c.Close()
			s.Close()
			return
		}
		p.mu.conns[pc] = struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(pc, s, c, false)
		go p.pipe(pc, c, s, true)
	}
}

// pipe copies src to dst, holding the bytes while its direction is
// blocked.
func (p *Proxy) pipe(pc *proxyConn, dst, src net.Conn, down bool) {
	defer p.wg.Done()
	defer p.drop(pc)
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			for (down && p.mu.blockDown || !down && p.mu.blockUp) && !p.mu.closed && !pc.dropped {
				p.mu.cond.Wait()
			}
			gone := p.mu.closed || pc.dropped
			p.mu.Unlock()
			if gone {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *Proxy) drop(pc *proxyConn) {
	p.mu.Lock()
	pc.dropped = true
	delete(p.mu.conns, pc)
	p.mu.cond.Broadcast()
	p.mu.Unlock()
	pc.client.Close()
	pc.server.Close()
}

// Block stops forwarding in both directions.
func (p *Proxy) Block() {
	p.mu.Lock()
	p.mu.blockUp, p.mu.blockDown = true, true
	p.mu.Unlock()
}

// BlockReplies stops forwarding from the target to clients.
func (p *Proxy) BlockReplies() {
	p.mu.Lock()
	p.mu.blockDown = true
	p.mu.Unlock()
}

// Unblock resumes forwarding in both directions.
func (p *Proxy) Unblock() {
	p.mu.Lock()
	p.mu.blockUp, p.mu.blockDown = false, false
	p.mu.cond.Broadcast()
	p.mu.Unlock()
}

// DropConnections closes every current connection (both sides see the
// connection end).
func (p *Proxy) DropConnections() {
	p.mu.Lock()
	conns := make([]*proxyConn, 0, len(p.mu.conns))
	for pc := range p.mu.conns {
		conns = append(conns, pc)
	}
	p.mu.Unlock()
	for _, pc := range conns {
		p.drop(pc)
	}
}

// Close stops the proxy and closes every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.mu.closed {
		p.mu.Unlock()
		return nil
	}
	p.mu.closed = true
	p.mu.cond.Broadcast()
	p.mu.Unlock()
	err := p.ln.Close()
	p.DropConnections()
	p.wg.Wait()
	return err
}
