package rebalance

import "slices"

// place makes p's replica list valid with as few changes as it can:
// replicas on brokers that may not hold any (decommissioned) become empty
// slots, a smaller replication factor drops replicas, a rack holding two
// while another holds none gives one up, and the empty slots (and any new
// ones for a larger replication factor) are filled with the least-loaded
// eligible brokers. A replacement takes the slot of the replica it
// replaces, so the preferred leader changes only if it had to go.
func (s *state) place(p *part) {
	for i, b := range p.cur {
		if !s.target[b] {
			p.cur[i] = -1
		}
	}
	for len(p.cur) > p.rf {
		if i := slices.Index(p.cur, -1); i >= 0 {
			p.cur = slices.Delete(p.cur, i, i+1)
			continue
		}
		i := s.dropCandidate(p, false)
		s.remove(p, p.cur[i])
		p.cur = slices.Delete(p.cur, i, i+1)
	}
	for !s.rackValid(p.cur) {
		i := s.dropCandidate(p, true)
		s.remove(p, p.cur[i])
		p.cur[i] = -1
	}
	for len(p.cur) < p.rf {
		p.cur = append(p.cur, -1)
	}
	for i, b := range p.cur {
		if b < 0 {
			nb := s.fillCandidate(p)
			p.cur[i] = nb
			s.add(p, nb)
		}
	}
}

// dropCandidate picks the index of the replica p can best lose: one in a
// rack holding the most replicas of p, not the preferred leader, one the
// plan added rather than one that was there, on the most loaded broker.
// onlyCrowded restricts it to racks holding two or more.
func (s *state) dropCandidate(p *part, onlyCrowded bool) int {
	rc := s.rackCounts(p.cur)
	best := -1
	better := func(i int) bool {
		a, b := p.cur[i], p.cur[best]
		if rc[s.rack[a]] != rc[s.rack[b]] {
			return rc[s.rack[a]] > rc[s.rack[b]]
		}
		if (i == 0) != (best == 0) {
			return best == 0
		}
		if p.wasOn(a) != p.wasOn(b) {
			return !p.wasOn(a)
		}
		if s.count[a] != s.count[b] {
			return s.count[a] > s.count[b]
		}
		return a > b
	}
	for i, b := range p.cur {
		if b < 0 || onlyCrowded && rc[s.rack[b]] < 2 {
			continue
		}
		if best < 0 || better(i) {
			best = i
		}
	}
	return best
}

// fillCandidate picks the broker for one more replica of p: not holding p,
// in a rack holding the fewest replicas of p (so the rack rule holds), a
// broker that held p before if any (no copy), else the least loaded, then
// the one with fewest replicas of p's topic, then the lowest id.
func (s *state) fillCandidate(p *part) int32 {
	rc := s.rackCounts(p.cur)
	minRack := -1
	for _, b := range s.brokers {
		if !p.has(b) && (minRack < 0 || rc[s.rack[b]] < minRack) {
			minRack = rc[s.rack[b]]
		}
	}
	best := int32(-1)
	for _, b := range s.brokers {
		if p.has(b) || rc[s.rack[b]] != minRack {
			continue
		}
		if best < 0 || s.fillBetter(p, b, best) {
			best = b
		}
	}
	return best
}

func (s *state) fillBetter(p *part, a, b int32) bool {
	if p.wasOn(a) != p.wasOn(b) {
		return p.wasOn(a)
	}
	if s.count[a] != s.count[b] {
		return s.count[a] < s.count[b]
	}
	ta, tb := s.topicCount[p.topic][a], s.topicCount[p.topic][b]
	if ta != tb {
		return ta < tb
	}
	return a < b
}
