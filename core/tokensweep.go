package core

import "context"

// sweepBatch is how many expired tokens one DELETE removes: each statement
// holds its locks briefly, however many logins expired since the last sweep.
const sweepBatch = 1000

// SweepTokens deletes the tokens that have expired — those issued by logins;
// registered ones never expire — in batches, and returns how many it deleted.
// Authenticate refuses them already, and a token gone answers as an expired
// one does: the sweep changes no answer, it only keeps every login from
// leaving a row behind for good.
func (s *Service) SweepTokens(ctx context.Context) (int64, error) {
	// Expired as Authenticate counts it: expires_at at or before now. s.now()
	// is to the second and not after the clock, so nothing still valid goes.
	now := s.now()
	var swept int64
	for {
		// MySQL takes no LIMIT in an IN subquery, a stock SQLite none on a DELETE: ids first.
		var ids []uint64
		if err := s.db.WithContext(ctx).Model(&APIToken{}).Where("expires_at <= ?", now).
			Limit(sweepBatch).Pluck("id", &ids).Error; err != nil {
			return swept, storeError(err, "token")
		}
		if len(ids) == 0 {
			return swept, nil
		}
		res := s.db.WithContext(ctx).Where("id IN ?", ids).Delete(&APIToken{})
		if res.Error != nil {
			return swept, storeError(res.Error, "token")
		}
		swept += res.RowsAffected
		if len(ids) < sweepBatch {
			return swept, nil
		}
	}
}
