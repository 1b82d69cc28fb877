package rebalance

import "sort"

// chooseLeaders settles each partition's first replica before balancing:
// the one it had if it stays; otherwise the current leader if it stays
// (so the move does not change leadership); otherwise the replacement that
// took the first slot.
func (s *state) chooseLeaders() {
	for _, p := range s.parts {
		if len(p.orig) > 0 && !p.wasOn(p.cur[0]) && p.has(p.leader) {
			s.setFirst(p, p.leader)
		}
		s.lead[p.cur[0]]++
	}
}

// setFirst makes b p's preferred leader by swapping it with the first
// replica; the rest keep their places.
func (s *state) setFirst(p *part, b int32) {
	for i, r := range p.cur {
		if r == b {
			p.cur[0], p.cur[i] = p.cur[i], p.cur[0]
			return
		}
	}
}

// balanceLeaders evens out preferred leaders by reordering replica lists.
// Partitions are assigned to one of their replicas each; the assignment is
// optimal when no path u -> ... -> v leads from a broker with L leaders to
// one with L-2 or fewer, a step a -> b meaning "a partition a leads has a
// replica on b" (Harvey et al., semi-matchings). While such a path exists,
// shift leadership along it (the shortest, found breadth-first): u loses
// one, v gains one, the brokers between keep their counts.
func (s *state) balanceLeaders() {
	for {
		bs := append([]int32(nil), s.brokers...)
		sort.SliceStable(bs, func(i, j int) bool { return s.lead[bs[i]] > s.lead[bs[j]] })
		led := map[int32][]*part{}
		for _, p := range s.parts {
			led[p.cur[0]] = append(led[p.cur[0]], p)
		}
		improved := false
		for _, u := range bs {
			if path := s.leaderPath(u, led); path != nil {
				for _, st := range path {
					s.lead[st.p.cur[0]]--
					s.setFirst(st.p, st.to)
					s.lead[st.to]++
				}
				improved = true
				break
			}
		}
		if !improved {
			return
		}
	}
}

// step hands leadership of p to broker to.
type step struct {
	p  *part
	to int32
}

// leaderPath returns the shortest path from u to a broker leading at least
// two fewer partitions, as the steps to apply, or nil; led lists the
// partitions each broker leads.
func (s *state) leaderPath(u int32, led map[int32][]*part) []step {
	prev := map[int32]step{} // broker -> the step that reached it
	seen := map[int32]bool{u: true}
	queue := []int32{u}
	for len(queue) > 0 {
		a := queue[0]
		queue = queue[1:]
		for _, p := range led[a] {
			for _, b := range p.cur[1:] {
				if seen[b] {
					continue
				}
				seen[b] = true
				prev[b] = step{p, b}
				if s.lead[b] <= s.lead[u]-2 {
					var path []step
					for v := b; v != u; v = prev[v].p.cur[0] {
						path = append(path, prev[v])
					}
					return path // distinct partitions: any order applies
				}
				queue = append(queue, b)
			}
		}
	}
	return nil
}
