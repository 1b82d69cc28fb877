// Command replfloor measures the floor of replication's CPU cost on this
// machine: what storing a stream once costs against storing it on a
// leader that ships it to N followers, with nothing of a broker in
// between (no Kafka protocol, no index, no batches, no acknowledgements
// other than the stream's end). It is the reference the replication
// benchmark's CPU-per-GB ratio (bench/README.md) is read against, the way
// ../shared/perf's write(2)-only store is for a single broker.
//
//	go run ./bench/replfloor                    # 1 GiB, 2 followers, both follower modes
//	go run ./bench/replfloor -bytes 4GiB -crc   # CRC-32C over every chunk on each node
//
// Each node is a process of its own (this binary re-run with -role), so
// its CPU is its own: utime+stime from getrusage at its end. Over loopback
// TCP, in 1 MiB chunks each framed by a 4-byte length:
//
//	single:  client -> store (read(2) into a buffer, pwrite(2))
//	rf(N+1): client -> leader (the same, then sendfile(2) of the written
//	         range to each follower) -> followers, which either
//	           read:   read(2) into a buffer (+CRC), pwrite(2)
//	           splice: splice(2) socket -> pipe -> file (Go's
//	                   (*os.File).ReadFrom of a TCP connection)
//
// It prints each setup's summed CPU seconds per GB and its ratio to the
// single store's.
package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func main() {
	role := flag.String("role", "", "internal: store, follower")
	mode := flag.String("mode", "read", "follower mode: read or splice")
	peers := flag.String("followers", "", "internal: follower addresses")
	dir := flag.String("dir", "", "data directory (default: a fresh one under /tmp)")
	size := flag.String("bytes", "1GiB", "bytes to send per setup")
	chunk := flag.Int("chunk", 1<<20, "chunk size")
	followers := flag.Int("n", 2, "followers of the leader")
	doCRC := flag.Bool("crc", false, "CRC-32C every chunk on every node that reads it into memory")
	rounds := flag.Int("rounds", 3, "rounds; each runs every setup once, in an order rotated per round")
	flag.Parse()
	var err error
	switch *role {
	case "store":
		err = runStore(*dir, *peers, *chunk, *doCRC)
	case "follower":
		err = runFollower(*dir, *mode, *chunk, *doCRC)
	case "":
		err = runAll(*dir, *size, *chunk, *followers, *rounds, *doCRC)
	default:
		err = fmt.Errorf("unknown role %q", *role)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "replfloor:", err)
		os.Exit(1)
	}
}

func parseBytes(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad -bytes %q", s)
	}
	return n * mult, nil
}

// node is a child process serving one role.
type node struct {
	cmd  *exec.Cmd
	addr string
	out  *bufio.Reader
}

func startNode(args ...string) (*node, error) {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	n := &node{cmd: cmd, out: bufio.NewReader(stdout)}
	line, err := n.out.ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		return nil, fmt.Errorf("%v: no address: %v", args, err)
	}
	n.addr = strings.TrimSpace(line)
	return n, nil
}

// report waits for the node to finish and returns its CPU seconds and
// the CRC-32C of what it read into memory (0 without -crc or in splice
// mode).
func (n *node) report() (cpu float64, crc uint32, err error) {
	line, err := n.out.ReadString('\n')
	if err != nil {
		return 0, 0, fmt.Errorf("node at %s ended without a report: %v", n.addr, err)
	}
	if err := n.cmd.Wait(); err != nil {
		return 0, 0, err
	}
	if _, err := fmt.Sscanf(line, "%g %d", &cpu, &crc); err != nil {
		return 0, 0, fmt.Errorf("node at %s: bad report %q", n.addr, line)
	}
	return cpu, crc, nil
}

func runAll(dir, size string, chunk, followers, rounds int, doCRC bool) error {
	total, err := parseBytes(size)
	if err != nil {
		return err
	}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "replfloor"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	setups := []setup{{"single", "", 0}, {fmt.Sprintf("rf%d-read", followers+1), "read", followers},
		{fmt.Sprintf("rf%d-splice", followers+1), "splice", followers}}
	perGB := make([][]float64, len(setups)) // summed CPU s/GB per round
	for r := 0; r < rounds; r++ {
		for k := range setups {
			i := (k + r) % len(setups)
			res, err := setups[i].run(dir, total, chunk, doCRC)
			if err != nil {
				return err
			}
			fmt.Printf("round %d %-11s %7.1f MB/s  CPU s/GB: summed %.2f  leader %.2f  followers %.2f\n",
				r+1, setups[i].name, res.mbps, res.summed, res.leader, res.followers)
			perGB[i] = append(perGB[i], res.summed)
		}
	}
	base := median(perGB[0])
	fmt.Printf("medians of summed CPU s/GB over %d rounds of %s:", rounds, size)
	for i, s := range setups {
		fmt.Printf("  %s %.2f (%.2fx)", s.name, median(perGB[i]), median(perGB[i])/base)
	}
	fmt.Println()
	return nil
}

// setup is one arrangement of nodes: a store and its followers.
type setup struct {
	name      string
	mode      string // the followers' mode
	followers int
}

type result struct {
	mbps, summed, leader, followers float64 // followers: the mean per follower, s/GB
}

// run starts the setup's nodes, sends total bytes through them and
// collects their CPU. Dirty pages are written back and the page cache
// dropped first (as root), so that one setup's writeback is not charged
// to the next.
func (s setup) run(dir string, total int64, chunk int, doCRC bool) (result, error) {
	syscall.Sync()
	os.WriteFile("/proc/sys/vm/drop_caches", []byte("3"), 0) // best effort: not root, no drop
	sub, err := os.MkdirTemp(dir, s.name)
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(sub)
	crcArg := "-crc=" + strconv.FormatBool(doCRC)
	var fs []*node
	var addrs []string
	for i := 0; i < s.followers; i++ {
		f, err := startNode("-role", "follower", "-mode", s.mode, "-dir", filepath.Join(sub, "f"+strconv.Itoa(i)), "-chunk", strconv.Itoa(chunk), crcArg)
		if err != nil {
			return result{}, err
		}
		fs = append(fs, f)
		addrs = append(addrs, f.addr)
	}
	leader, err := startNode("-role", "store", "-dir", filepath.Join(sub, "leader"), "-followers", strings.Join(addrs, ","), "-chunk", strconv.Itoa(chunk), crcArg)
	if err != nil {
		return result{}, err
	}
	start := time.Now()
	if err := send(leader.addr, total, chunk); err != nil {
		return result{}, err
	}
	lcpu, lcrc, err := leader.report()
	if err != nil {
		return result{}, err
	}
	elapsed := time.Since(start)
	var fsum float64
	for i, f := range fs {
		c, crc, err := f.report()
		if err != nil {
			return result{}, err
		}
		if doCRC && s.mode == "read" && crc != lcrc {
			return result{}, fmt.Errorf("%s: follower %d read CRC-32C %08x, the leader %08x", s.name, i, crc, lcrc)
		}
		fsum += c
	}
	res := result{mbps: float64(total) / 1e6 / elapsed.Seconds(), summed: (lcpu + fsum) / gb(total), leader: lcpu / gb(total)}
	if len(fs) > 0 {
		res.followers = fsum / float64(len(fs)) / gb(total)
	}
	return res, nil
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func gb(n int64) float64 { return float64(n) / 1e9 }

// send is the client: total bytes in chunks, each with a length prefix,
// then a zero length; it waits for the store's one-byte answer.
func send(addr string, total int64, chunk int) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	buf := make([]byte, 4+chunk)
	for i := range buf[4:] {
		buf[4+i] = byte(i * 31)
	}
	for sent := int64(0); sent < total; {
		n := int(min(int64(chunk), total-sent))
		binary.BigEndian.PutUint32(buf, uint32(n))
		if _, err := c.Write(buf[:4+n]); err != nil {
			return err
		}
		sent += int64(n)
	}
	if _, err := c.Write([]byte{0, 0, 0, 0}); err != nil {
		return err
	}
	var ack [1]byte
	_, err = io.ReadFull(c, ack[:])
	return err
}

// listen prints the address to stdout (the parent reads it) and accepts
// one connection.
func listen() (net.Conn, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer l.Close()
	fmt.Println(l.Addr().String())
	return l.Accept()
}

// report prints this process's CPU seconds and the CRC of what it read.
func report(crc uint32) error {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return err
	}
	fmt.Println(time.Duration(ru.Utime.Nano()+ru.Stime.Nano()).Seconds(), crc)
	return nil
}

func openLog(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(filepath.Join(dir, "log"), os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o644)
}

func readLen(r io.Reader) (int, error) {
	var h [4]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, err
	}
	return int(binary.BigEndian.Uint32(h[:])), nil
}

// runStore is the single store or the leader: read each chunk, CRC it,
// pwrite it, sendfile the written range to every follower.
func runStore(dir, peers string, chunk int, doCRC bool) error {
	f, err := openLog(dir)
	if err != nil {
		return err
	}
	var fol []*net.TCPConn
	if peers != "" {
		for _, a := range strings.Split(peers, ",") {
			c, err := net.Dial("tcp", a)
			if err != nil {
				return err
			}
			fol = append(fol, c.(*net.TCPConn))
		}
	}
	c, err := listen()
	if err != nil {
		return err
	}
	buf := make([]byte, chunk)
	var off int64
	var sum uint32
	for {
		n, err := readLen(c)
		if err != nil {
			return err
		}
		if n == 0 || n > chunk {
			break
		}
		if _, err := io.ReadFull(c, buf[:n]); err != nil {
			return err
		}
		if doCRC {
			sum = crc32.Update(sum, castagnoli, buf[:n])
		}
		if _, err := f.WriteAt(buf[:n], off); err != nil {
			return err
		}
		for _, fc := range fol {
			var h [4]byte
			binary.BigEndian.PutUint32(h[:], uint32(n))
			if _, err := fc.Write(h[:]); err != nil {
				return err
			}
			// (*net.TCPConn).ReadFrom of a limited *os.File is
			// sendfile(2) from the file's offset.
			if _, err := f.Seek(off, io.SeekStart); err != nil {
				return err
			}
			if w, err := fc.ReadFrom(&io.LimitedReader{R: f, N: int64(n)}); err != nil || w != int64(n) {
				return fmt.Errorf("sendfile: %d of %d bytes: %v", w, n, err)
			}
		}
		off += int64(n)
	}
	for _, fc := range fol {
		fc.Write([]byte{0, 0, 0, 0})
		var ack [1]byte
		if _, err := io.ReadFull(fc, ack[:]); err != nil {
			return err
		}
	}
	c.Write([]byte{1})
	return report(sum)
}

// runFollower reads the leader's chunks into its log.
func runFollower(dir, mode string, chunk int, doCRC bool) error {
	f, err := openLog(dir)
	if err != nil {
		return err
	}
	c, err := listen()
	if err != nil {
		return err
	}
	tc := c.(*net.TCPConn)
	buf := make([]byte, chunk)
	var off int64
	var sum uint32
	for {
		n, err := readLen(tc)
		if err != nil {
			return err
		}
		if n == 0 || n > chunk {
			break
		}
		switch mode {
		case "splice":
			// (*os.File).ReadFrom of a TCP connection is splice(2)
			// through a pipe, at the file's offset.
			w, err := f.ReadFrom(io.LimitReader(tc, int64(n)))
			if err != nil {
				return err
			}
			if w != int64(n) {
				return fmt.Errorf("short splice: %d of %d", w, n)
			}
		default:
			if _, err := io.ReadFull(tc, buf[:n]); err != nil {
				return err
			}
			if doCRC {
				sum = crc32.Update(sum, castagnoli, buf[:n])
			}
			if _, err := f.WriteAt(buf[:n], off); err != nil {
				return err
			}
		}
		off += int64(n)
	}
	tc.Write([]byte{1})
	return report(sum)
}
