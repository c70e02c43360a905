package live

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	binlive "github.com/nanotick/nanotick/feeds/binance/live"
	fk "github.com/nanotick/nanotick/feeds/kraken"
	"github.com/nanotick/nanotick/instrument"
)

// CheckInstruments compares the table's Kraken instruments with Kraken's instrument
// channel, read once from the public WebSocket at wsURL, before anything is traded: a
// pair Kraken does not list or lists differently (scales other than its precisions,
// other rules, not online) is an error naming every difference. It reads at most 50
// messages and waits at most 10 s for the snapshot.
func CheckInstruments(ctx context.Context, wsURL string, table *instrument.Table) error {
	var want []*instrument.Spec
	for i := 0; i < table.Len(); i++ {
		if sp := table.At(instrument.Index(i)); sp.ID.Venue == instrument.VenueKraken {
			want = append(want, sp)
		}
	}
	if len(want) == 0 {
		return nil
	}
	msg, err := InstrumentSnapshot(ctx, wsURL)
	if err != nil {
		return fmt.Errorf("kraken instrument check: %w", err)
	}
	pairs, err := fk.ParsePairs(msg)
	if err != nil {
		return fmt.Errorf("kraken instrument check: %w", err)
	}
	var errs []string
	for _, sp := range want {
		p, ok := pairs[sp.ID.Symbol]
		if !ok {
			errs = append(errs, fmt.Sprintf("instrument %s: Kraken does not list it", sp.ID))
			continue
		}
		for _, d := range fk.CheckPair(sp, p) {
			errs = append(errs, fmt.Sprintf("instrument %s: %s", sp.ID, d))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("the configured instruments differ from Kraken's instrument channel:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}

// InstrumentSnapshot subscribes to the instrument channel at wsURL and returns its
// snapshot message. It reads at most 50 messages and waits at most 10 s.
func InstrumentSnapshot(ctx context.Context, wsURL string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cn, err := binlive.Dial(ctx, wsURL, 10*time.Second, 0)
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	defer func() { cancel(); cn.Close(); <-done }()
	go func() {
		defer close(done)
		<-ctx.Done()
		cn.Close() // ends a read the deadline would otherwise wait out
	}()
	if err := cn.WriteText([]byte(`{"method":"subscribe","params":{"channel":"instrument","snapshot":true},"req_id":1}`), time.Now().Add(5*time.Second)); err != nil {
		return nil, err
	}
	for n := 0; n < 50; n++ {
		_, msg, err := cn.Next()
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("no instrument snapshot: %w", ctx.Err())
			}
			return nil, err
		}
		if bytes.Contains(msg, []byte(`"success":false`)) {
			return nil, fmt.Errorf("instrument subscription refused: %.300s", msg)
		}
		if bytes.Contains(msg, []byte(`"channel":"instrument"`)) && bytes.Contains(msg, []byte(`"type":"snapshot"`)) {
			return bytes.Clone(msg), nil
		}
	}
	return nil, errors.New("no instrument snapshot in 50 messages")
}
