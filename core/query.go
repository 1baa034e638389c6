package core

// Bounds on what one request may ask for.
const (
	DefaultMaxPageSize = 1000    // rows in one page, unless configured otherwise
	MaxPage            = 1000000 // page number: keeps page × size far from overflow
	MaxIDs             = 1000    // ids in one list ("12,15,…")
)

// MaxPageSize is the most rows one page may hold.
func (s *Service) MaxPageSize() int { return s.maxPage }

// checkPage rejects a page number (from first) and size out of bounds.
func (s *Service) checkPage(page, first, size int, sizeField Field) error {
	if page < first || page > MaxPage {
		return Invalidf(FieldPage, "%s must be between %d and %d", FieldPage, first, MaxPage)
	}
	if size < 1 || size > s.maxPage {
		return Invalidf(sizeField, "%s must be between 1 and %d", sizeField, s.maxPage)
	}
	return nil
}

// checkIDs rejects an empty or too long id list.
func checkIDs(field Field, ids []uint64) error {
	if len(ids) == 0 {
		return Invalidf(field, "no ids")
	}
	if len(ids) > MaxIDs {
		return Invalidf(field, "more than %d ids", MaxIDs)
	}
	return nil
}

func uniq(ids []uint64) map[uint64]struct{} {
	m := make(map[uint64]struct{}, len(ids))
	for _, id := range ids {
		m[id] = struct{}{}
	}
	return m
}
