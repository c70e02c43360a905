package exchange

import "net/http"

func (e *Exchange) handleWSAPI(w http.ResponseWriter, r *http.Request) {}
