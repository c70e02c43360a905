package backtest

import (
	"fmt"
	"math"
)

// QueueModel is how the simulated exchange estimates the quantity ahead of a resting
// order in its price level's queue. The recorded feed is L2 (a total per price), so
// nobody knows where inside a level an order sits; a model guesses, and the guess
// decides when a passive order fills.
type QueueModel uint8

const (
	// RiskAverse: the queue ahead shrinks only by trades printed at the order's price
	// (and is capped at the level's displayed size when that falls below it). Every
	// cancel in the level is assumed to come from behind the order. This is the
	// conservative model (hftbacktest's RiskAdverseQueueModel).
	RiskAverse QueueModel = iota + 1
	// PowerLaw: trades at the price shrink the queue ahead as in RiskAverse; a decrease
	// of the level that trades do not explain is split between ahead and behind the
	// order: the share taken from behind is back^n / (back^n + front^n), with n the
	// queue power (hftbacktest's ProbQueueModel with PowerProbQueueFunc).
	PowerLaw
)

// ParseQueueModel maps the config's names ("risk_averse", "power_law") to a model.
func ParseQueueModel(s string) (QueueModel, error) {
	switch s {
	case "risk_averse", "":
		return RiskAverse, nil
	case "power_law":
		return PowerLaw, nil
	}
	return 0, fmt.Errorf("backtest: unknown queue model %q (risk_averse, power_law)", s)
}

// String returns the config name of the model.
func (m QueueModel) String() string {
	switch m {
	case RiskAverse:
		return "risk_averse"
	case PowerLaw:
		return "power_law"
	}
	return fmt.Sprintf("QueueModel(%d)", uint8(m))
}

// queuePos is the queue estimate of one resting order, in quantity units. front may
// go negative: it is then the quantity that traded past the order's place in the
// queue, which fills it.
type queuePos struct {
	front    float64 // quantity ahead of the order
	cumTrade float64 // trades at the price since the last depth change (PowerLaw)
	level    int64   // the level's displayed quantity when last seen
}

// onTrade applies a trade of qty printed at the order's price.
func (q *queuePos) onTrade(qty int64) {
	q.front -= float64(qty)
	q.cumTrade += float64(qty)
}

// onDepth applies a change of the level's displayed quantity to newQty.
func (q *queuePos) onDepth(m QueueModel, power float64, newQty int64) {
	prev := q.level
	q.level = newQty
	nq := float64(newQty)
	switch m {
	case PowerLaw:
		chg := float64(prev-newQty) - q.cumTrade
		q.cumTrade = 0
		if chg <= 0 {
			// The level grew (or shrank only by the trades already counted): new
			// orders join behind.
			q.front = min(q.front, nq)
			break
		}
		front := max(q.front, 0)
		back := max(float64(prev)-front, 0)
		fb, ff := math.Pow(back, power), math.Pow(front, power)
		prob := 1.0 // share of the decrease taken from behind
		if s := fb + ff; s > 0 && !math.IsInf(s, 0) && !math.IsNaN(s) {
			prob = fb / s
		}
		// The conversions round each product, so that no platform fuses them into
		// a multiply-add with a different last bit: the same data gives the same fills.
		est := front - float64((1-prob)*chg) + min(back-float64(prob*chg), 0)
		q.front = min(est, nq)
	default: // RiskAverse
		q.cumTrade = 0
		q.front = min(q.front, nq)
	}
	// A level shrinking by cancels never fills an order: only trades do. Keep the
	// queue estimate at or above zero here; the next trade at the price fills.
	if q.front < 0 {
		q.front = 0
	}
}

// executable returns the quantity, in whole lots, that has traded past the order's
// place in the queue.
func (q *queuePos) executable(lot int64) int64 {
	if q.front >= 0 {
		return 0
	}
	past := int64(-q.front)
	if lot > 1 {
		past -= past % lot
	}
	return past
}
