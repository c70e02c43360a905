package exchange

import (
	"context"
	"errors"
)

type replayer struct{}

func newReplayer(path string, speed float64) (*replayer, error) { return nil, errors.New("todo") }
func (r *replayer) close()                                      {}
func (r *replayer) run(ctx context.Context, e *Exchange)        {}
func (r *replayer) snapshot(sym string, limit int) []byte       { return nil }
