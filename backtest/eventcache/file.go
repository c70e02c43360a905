package eventcache

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
)

// File is a cache file opened for reading: its records, memory-mapped where the system
// can map files, else read into memory. It is read-only: any number of goroutines may
// read it at once, until Close.
type File struct {
	data   []byte // the whole file
	mapped bool
	// Body holds the records back to back; Len records, record i from Offset(i).
	Body  []byte
	index []byte
	n     int
	// Malformed is the sources' malformed lines, and ReadErr the error their reading
	// ended with ("" for a clean end).
	Malformed uint64
	ReadErr   string
}

// Open opens the cache file path and checks it against k. A file that is not there
// is an error wrapping os.ErrNotExist; one made from other sources or settings, or by
// another format version, wraps ErrStale; a truncated or altered one wraps
// ErrCorrupt.
func Open(path string, k Key) (*File, error) {
	data, mapped, err := load(path)
	if err != nil {
		return nil, err
	}
	f := &File{data: data, mapped: mapped}
	if err := f.check(k); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// checksum returns the CRC-32C of b, the start of the mapping. A large file's pages
// are released as soon as they are summed: the check reads all of them, a replay
// reads them again in order, and neither needs the whole file resident.
func (f *File) checksum(b []byte) uint32 {
	if len(f.data) <= keepResident {
		return crc32.Checksum(b, castagnoli)
	}
	var crc uint32
	for len(b) > 0 {
		n := min(len(b), checkChunk)
		crc = crc32.Update(crc, castagnoli, b[:n])
		f.release(b[:n])
		b = b[n:]
	}
	return crc
}

// checkChunk is how many bytes checksum sums between releases, a whole number of
// pages.
const checkChunk = 4 << 20

// keepResident is the size up to which Open leaves a checked file's pages resident:
// releasing them would only make its replay read them back.
const keepResident = 8 << 20

// Release tells the system that the records in Body[from:to] will not be read again
// soon, so that the pages of a mapped file that hold them leave the process's resident
// memory: a long replay then keeps only the pages it is reading resident, not the
// whole file. Reading them again later is still correct (they come back from the
// file). It does nothing for a file read into memory.
func (f *File) Release(from, to int) {
	if from < 0 || to > len(f.Body) || from >= to {
		return
	}
	f.release(f.Body[from:to])
}

// release drops the whole pages of b, a part of the mapping, from resident memory.
func (f *File) release(b []byte) {
	if !f.mapped || len(b) == 0 {
		return
	}
	// b is f.data[off:off+len(b)], and a subslice keeps the capacity to the end of
	// the mapping, which starts on a page: only whole pages within b are released.
	off := cap(f.data) - cap(b)
	ps := os.Getpagesize()
	lo := (off + ps - 1) / ps * ps
	hi := (off + len(b)) / ps * ps
	if lo < hi {
		dontNeed(f.data[lo:hi])
	}
}

func (f *File) check(k Key) error {
	d := f.data
	if len(d) < fixedHeader+trailerSize || !bytes.Equal(d[:8], magic[:]) {
		return fmt.Errorf("%w: not an event cache file, or cut short", ErrCorrupt)
	}
	if v := binary.LittleEndian.Uint32(d[8:]); v != Version {
		return fmt.Errorf("%w: format version %d, want %d", ErrStale, v, Version)
	}
	sl := int(binary.LittleEndian.Uint32(d[12:]))
	if sl > len(d)-fixedHeader-trailerSize {
		return fmt.Errorf("%w: header longer than the file", ErrCorrupt)
	}
	head := fixedHeader + sl
	size := int64(binary.LittleEndian.Uint64(d[16:]))
	var src [sourceSize]byte
	copy(src[:], d[24:24+sourceSize])
	if src != k.Source || size != k.Size || string(d[fixedHeader:head]) != k.Settings {
		return fmt.Errorf("%w: made from other data or settings", ErrStale)
	}
	t := d[len(d)-trailerSize:]
	n := binary.LittleEndian.Uint64(t)
	malformed := binary.LittleEndian.Uint64(t[8:])
	errLen := uint64(binary.LittleEndian.Uint32(t[16:]))
	indexAt := binary.LittleEndian.Uint64(t[20:])
	want := binary.LittleEndian.Uint32(t[28:])
	room := uint64(len(d) - head - trailerSize)
	if n > room/8 || errLen > room || indexAt > room || indexAt+8*n+errLen != room {
		return fmt.Errorf("%w: its parts do not add up to its size (truncated?)", ErrCorrupt)
	}
	if got := f.checksum(d[:len(d)-4]); got != want {
		return fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	body := d[head : head+int(indexAt)]
	index := d[head+int(indexAt) : head+int(indexAt)+int(8*n)]
	// The offsets must rise from 0 within the body: a record is never empty.
	prev := int64(-1)
	for i := 0; i < int(n); i++ {
		o := int64(binary.LittleEndian.Uint64(index[8*i:]))
		if o <= prev || o >= int64(len(body)) || (i == 0) != (o == 0) {
			return fmt.Errorf("%w: record %d's offset %d out of order", ErrCorrupt, i, o)
		}
		prev = o
	}
	if len(d) > keepResident {
		f.release(index) // a replay reads the records in order, not the index
	}
	f.Body, f.index, f.n = body, index, int(n)
	f.Malformed = malformed
	f.ReadErr = string(d[head+int(indexAt)+int(8*n) : head+int(indexAt)+int(8*n)+int(errLen)])
	return nil
}

// Len returns the number of records.
func (f *File) Len() int { return f.n }

// Offset returns the offset of record i in Body; Offset(Len()) is len(Body).
func (f *File) Offset(i int) int {
	if i >= f.n {
		return len(f.Body)
	}
	return int(binary.LittleEndian.Uint64(f.index[8*i:]))
}

// Index returns the records' offsets in Body: record i's at Index()[8i:], a
// little-endian uint64.
func (f *File) Index() []byte { return f.index }

// Mapped reports whether the file is memory-mapped (else read into memory).
func (f *File) Mapped() bool { return f.mapped }

// Close releases the file's memory. Nothing read from it may be used after.
func (f *File) Close() error {
	data := f.data
	f.data, f.Body, f.index = nil, nil, nil
	if f.mapped && data != nil {
		return unmap(data)
	}
	return nil
}

// load maps path into memory, or reads it where it cannot be mapped.
func load(path string) ([]byte, bool, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, false, fmt.Errorf("eventcache: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, false, fmt.Errorf("eventcache: %w", err)
	}
	if st.Size() > 0 && st.Size() == int64(int(st.Size())) {
		if data, err := mmap(fh, int(st.Size())); err == nil {
			return data, true, nil
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("eventcache: %w", err)
	}
	return data, false, nil
}
