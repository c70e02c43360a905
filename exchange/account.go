package exchange

type AccountConfig struct {
	APIKey string
	Secret string
}

type Account struct{}

func newAccount(ac AccountConfig) (*Account, error) { return &Account{}, nil }
func (a *Account) unsubscribe(c *conn)               {}
func (e *Exchange) settle(f *Fill)                   {}
