package rebalance

import "sort"

// move is one replica of p going from broker from to broker to.
type move struct {
	p        *part
	from, to int32
}

// balanceReplicas moves replicas from the fullest brokers to emptier ones
// until no broker holds two or more above another, or no move the rack
// rule allows would help. Each move lowers the sum of squared counts, so it
// ends. Where no single move helps, a chain of two (full -> middle ->
// empty) is tried: racks can forbid the direct one.
func (s *state) balanceReplicas() {
	for {
		if m, ok := s.bestMove(); ok {
			s.apply(m)
			continue
		}
		if m1, m2, ok := s.bestChain(); ok {
			s.apply(m1)
			s.apply(m2)
			continue
		}
		return
	}
}

func (s *state) apply(m move) {
	m.p.replace(m.from, m.to)
	s.remove(m.p, m.from)
	s.add(m.p, m.to)
}

// byCount returns the target brokers, fullest first (ties by id).
func (s *state) byCount() []int32 {
	bs := append([]int32(nil), s.brokers...)
	sort.SliceStable(bs, func(i, j int) bool { return s.count[bs[i]] > s.count[bs[j]] })
	return bs
}

// bestMove finds, for the fullest broker that has one, the best move to a
// broker holding at least two fewer replicas.
func (s *state) bestMove() (move, bool) {
	bs := s.byCount()
	low := s.count[bs[len(bs)-1]]
	for _, h := range bs {
		ch := s.count[h]
		if ch < low+2 {
			break
		}
		var ls []int32
		var lc []int
		for _, l := range bs {
			if c := s.count[l]; c <= ch-2 {
				ls, lc = append(ls, l), append(lc, c)
			}
		}
		var best move
		var bestScore moveScore
		found := false
		for _, p := range s.holding[h] {
			tc := s.topicCount[p.topic]
			base := moveScore{topicGain: tc[h]}
			if !p.wasOn(h) {
				base.cost = -1
			}
			if p.cur[0] == h {
				base.leader = 1
			}
			for i, l := range ls {
				m, sc := move{p, h, l}, base
				sc.toCount = lc[i]
				if !p.wasOn(l) {
					sc.cost++
				}
				// Cheap fields first; the topic's count and the validity
				// only for a move that may be better.
				if found && bestScore.prefixLess(sc) {
					continue
				}
				sc.topicGain -= tc[l]
				if (!found || sc.less(bestScore, m, best)) && s.valid(m) {
					best, bestScore, found = m, sc, true
				}
			}
		}
		if found {
			return best, true
		}
	}
	return move{}, false
}

// bestChain finds h -> x -> l, two moves of different partitions, where h
// holds at least two more than l (used when no single move is allowed).
func (s *state) bestChain() (move, move, bool) {
	bs := s.byCount()
	if s.count[bs[0]] < s.count[bs[len(bs)-1]]+2 {
		return move{}, move{}, false
	}
	// allowed[a][b]: up to two partitions that may move from a to b.
	allowed := map[int32]map[int32][]*part{}
	for _, a := range bs {
		allowed[a] = map[int32][]*part{}
		for _, p := range s.holding[a] {
			for _, b := range bs {
				if ps := allowed[a][b]; len(ps) < 2 && s.valid(move{p, a, b}) {
					allowed[a][b] = append(ps, p)
				}
			}
		}
	}
	for _, h := range bs {
		for i := len(bs) - 1; i >= 0 && s.count[bs[i]] <= s.count[h]-2; i-- {
			l := bs[i]
			for _, x := range bs {
				for _, p1 := range allowed[h][x] {
					for _, p2 := range allowed[x][l] {
						if p1 != p2 {
							return move{p1, h, x}, move{p2, x, l}, true
						}
					}
				}
			}
		}
	}
	return move{}, move{}, false
}

// valid reports whether m is possible: p is on from, not on to, and the
// rack rule holds afterwards.
func (s *state) valid(m move) bool {
	if !m.p.has(m.from) || m.p.has(m.to) {
		return false
	}
	if s.rack[m.from] == s.rack[m.to] {
		return true
	}
	reps := append([]int32(nil), m.p.cur...)
	for i, b := range reps {
		if b == m.from {
			reps[i] = m.to
		}
	}
	return s.rackValid(reps)
}

// moveScore ranks moves: cheapest (cost is what the move adds to the
// replicas copied: +1 onto a broker that did not hold the partition, -1
// taking back a copy the plan had added), then to the emptiest broker, then
// not the preferred leader, then the one that best evens out the topic;
// ties go by topic, partition and broker for a stable plan.
type moveScore struct {
	cost, toCount, leader, topicGain int
}

// prefixLess reports whether sa beats sb on cost, target count and
// leadership alone.
func (sa moveScore) prefixLess(sb moveScore) bool {
	switch {
	case sa.cost != sb.cost:
		return sa.cost < sb.cost
	case sa.toCount != sb.toCount:
		return sa.toCount < sb.toCount
	}
	return sa.leader < sb.leader
}

// less reports whether a (scored sa) is a better move than b (scored sb).
func (sa moveScore) less(sb moveScore, a, b move) bool {
	switch {
	case sa.cost != sb.cost:
		return sa.cost < sb.cost
	case sa.toCount != sb.toCount:
		return sa.toCount < sb.toCount
	case sa.leader != sb.leader:
		return sa.leader < sb.leader
	case sa.topicGain != sb.topicGain:
		return sa.topicGain > sb.topicGain
	case a.p != b.p:
		return a.p.less(b.p)
	}
	return a.to < b.to
}
