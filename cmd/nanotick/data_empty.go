package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/nanotick/nanotick/feeds/detect"
)

// noFrames says why the recording at path holds no frame to take an instrument from,
// when that is so: it is empty, or its first line is not a recorded frame (garbage, or
// another format). It returns "" when the file starts with a frame, whose stream merely
// names no symbol. It exists so that an empty or garbage --data file is reported as
// what it is, not as "no stream name in the first 20000 records".
func noFrames(heads *dataHeads, path string) string {
	var h *detect.Head
	var err error
	if heads != nil {
		h, err = heads.head(path)
	} else if h, err = detect.OpenHead(path); err == nil {
		defer h.Close()
	}
	if err != nil {
		return ""
	}
	_, err = h.First()
	switch {
	case err == nil:
		return ""
	case errors.Is(err, io.EOF):
		return "the file holds no records (it is empty)"
	}
	return fmt.Sprintf("its first line is not a recorded frame (want \"<receive time, ns> <frame>\" lines, as nanotick record writes them): %v", err)
}

// exitError is an error that carries the exit status of the command line it fails.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }
