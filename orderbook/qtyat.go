package orderbook

// QtyAt returns the quantity at price on side, or 0 when the side has no level there:
// one lookup, where Level walks from the best (a simulated exchange asks it for the
// queue ahead of every order that arrives, at a price that may be dozens of levels
// deep). Deferred updates are applied first, as a read beyond the cached levels does.
func (b *Book) QtyAt(side Side, price int64) int64 {
	if side > Ask {
		return 0
	}
	s := &b.sides[side]
	if len(s.deferred) > 0 {
		s.applyDeferred() // they may set key, or move the floor past it
	}
	key := price ^ keyMask(side)
	if s.ladder && key >= s.floor {
		bk := s.bucket(key)
		if bk >= s.blo+ladderSize {
			return 0 // above the window: better than the best
		}
		if e := s.slots[bk%ladderSize]; e != 0 && (e^(uint64(key)-uint64(s.kref)))&s.offMask() == 0 {
			return int64(e >> s.bs)
		}
		return 0
	}
	if i, found := s.lookup(key); found {
		return s.table[i].Qty
	}
	return 0
}
