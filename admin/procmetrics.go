package admin

import (
	"bytes"
	"math"
	"os"
	"strconv"
	"strings"
)

// The process metrics are exported with the names, HELP texts and types of the Prometheus
// Go client's process collector (client_golang v1.25 on Linux, reading through procfs), and
// read from the same files at scrape time: /proc/self/stat, /proc/stat (boot time),
// /proc/self/fd, /proc/self/limits and /proc/self/net/netstat. Where a file cannot be read
// (no /proc: not Linux), the metrics it gives are left out, as that collector left them
// out on an error.

// userHZ is the unit of the CPU times in /proc/self/stat (USER_HZ, 100 on every Linux
// architecture Go runs on; procfs assumes it too).
const userHZ = 100

// procSnapshot is the process's state at a scrape; each ok says its group was read.
type procSnapshot struct {
	statOK              bool
	cpu, vsize, rss     float64
	startOK             bool
	start               float64
	fdsOK               bool
	fds                 float64
	limitsOK            bool
	maxFDs, maxVsize    float64
	netOK               bool
	inOctets, outOctets float64
}

// read takes the process's state now.
func (p *procSnapshot) read() {
	*p = procSnapshot{}
	var st procStat
	if b, err := os.ReadFile("/proc/self/stat"); err == nil {
		st, p.statOK = parseProcStat(b)
		p.cpu = (st.utime + st.stime) / userHZ
		p.vsize = st.vsize
		p.rss = st.rss * float64(os.Getpagesize())
	}
	if p.statOK {
		if b, err := os.ReadFile("/proc/stat"); err == nil {
			if btime, ok := field(b, "btime "); ok {
				p.startOK, p.start = true, btime+st.starttime/userHZ
			}
		}
	}
	p.fds, p.fdsOK = openFDs()
	if b, err := os.ReadFile("/proc/self/limits"); err == nil {
		files, ok1 := limit(b, "Max open files")
		space, ok2 := limit(b, "Max address space")
		p.limitsOK, p.maxFDs, p.maxVsize = ok1 && ok2, files, space
	}
	if b, err := os.ReadFile("/proc/self/net/netstat"); err == nil {
		p.netOK = true
		p.inOctets, p.outOctets = netstat(b, "IpExt:", "InOctets"), netstat(b, "IpExt:", "OutOctets")
	}
}

// procStat is what is read from /proc/self/stat: CPU and start times in clock ticks, the
// virtual memory size in bytes, the resident set in pages.
type procStat struct {
	utime, stime, starttime, vsize, rss float64
}

// parseProcStat reads fields 14, 15, 22, 23 and 24 of /proc/self/stat, counted after the
// command name in parentheses, which may itself hold spaces and parentheses.
func parseProcStat(b []byte) (procStat, bool) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, false
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3, the state
	if len(f) < 24-2 {
		return procStat{}, false
	}
	bad := false
	num := func(field int) float64 {
		v, err := strconv.ParseUint(f[field-3], 10, 64)
		bad = bad || err != nil
		return float64(v)
	}
	s := procStat{utime: num(14), stime: num(15), starttime: num(22), vsize: num(23), rss: num(24)}
	return s, !bad
}

// field returns the number after prefix at the start of a line of b ("btime 1700000000").
func field(b []byte, prefix string) (float64, bool) {
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			v, err := strconv.ParseUint(strings.TrimSpace(rest), 10, 64)
			return float64(v), err == nil
		}
	}
	return 0, false
}

// limit returns the soft limit of the line of /proc/self/limits named name; "unlimited"
// is the largest uint64, as procfs reads it.
func limit(b []byte, name string) (float64, bool) {
	for line := range strings.Lines(string(b)) {
		rest, ok := strings.CutPrefix(line, name)
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return 0, false
		}
		if f[0] == "unlimited" {
			return math.MaxUint64, true
		}
		v, err := strconv.ParseUint(f[0], 10, 64)
		return float64(v), err == nil
	}
	return 0, false
}

// netstat returns the value of counter name in the section of /proc/self/net/netstat
// whose lines begin with prefix: a line of names followed by a line of values. A counter
// the kernel does not have reads as 0, as in the Prometheus client.
func netstat(b []byte, prefix, name string) float64 {
	var names []string
	for line := range strings.Lines(string(b)) {
		rest, ok := strings.CutPrefix(line, prefix)
		if !ok {
			continue
		}
		if names == nil {
			names = strings.Fields(rest)
			continue
		}
		values := strings.Fields(rest)
		for i, n := range names {
			if n == name && i < len(values) {
				v, err := strconv.ParseFloat(values[i], 64)
				if err == nil {
					return v
				}
			}
		}
		return 0
	}
	return 0
}

// openFDs counts the process's open file descriptors. Since Linux 6.2 the size of
// /proc/self/fd is that count; before, the directory is listed.
func openFDs() (float64, bool) {
	if fi, err := os.Stat("/proc/self/fd"); err == nil && fi.Size() > 0 {
		return float64(fi.Size()), true
	}
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return 0, false
	}
	defer d.Close()
	n := 0
	for {
		names, err := d.Readdirnames(1024)
		n += len(names)
		if err != nil || len(names) == 0 {
			break
		}
	}
	return float64(n), true
}

// processFamilies are the process's metric families.
func processFamilies() []family {
	f := func(name, help, typ string, v func(*procSnapshot) (float64, bool)) family {
		return family{name: name, help: help, typ: typ, write: func(w *textWriter, name string, s *snapshot) {
			if x, ok := v(&s.proc); ok {
				w.sample(name, x)
			}
		}}
	}
	return []family{
		f("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", typeCounter,
			func(p *procSnapshot) (float64, bool) { return p.cpu, p.statOK }),
		f("process_max_fds", "Maximum number of open file descriptors.", typeGauge,
			func(p *procSnapshot) (float64, bool) { return p.maxFDs, p.limitsOK }),
		f("process_network_receive_bytes_total", "Number of bytes received by the process over the network.", typeCounter,
			func(p *procSnapshot) (float64, bool) { return p.inOctets, p.netOK }),
		f("process_network_transmit_bytes_total", "Number of bytes sent by the process over the network.", typeCounter,
			func(p *procSnapshot) (float64, bool) { return p.outOctets, p.netOK }),
		f("process_open_fds", "Number of open file descriptors.", typeGauge,
			func(p *procSnapshot) (float64, bool) { return p.fds, p.fdsOK }),
		f("process_resident_memory_bytes", "Resident memory size in bytes.", typeGauge,
			func(p *procSnapshot) (float64, bool) { return p.rss, p.statOK }),
		f("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", typeGauge,
			func(p *procSnapshot) (float64, bool) { return p.start, p.startOK }),
		f("process_virtual_memory_bytes", "Virtual memory size in bytes.", typeGauge,
			func(p *procSnapshot) (float64, bool) { return p.vsize, p.statOK }),
		f("process_virtual_memory_max_bytes", "Maximum amount of virtual memory available in bytes.", typeGauge,
			func(p *procSnapshot) (float64, bool) { return p.maxVsize, p.limitsOK }),
	}
}
