package jsmath

// fdlibm's cbrt (FreeBSD's version) and V8's sinh, cosh and tanh
// (src/base/ieee754.cc).
//
// ====================================================
// Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
//
// Developed at SunSoft, a Sun Microsystems, Inc. business.
// Permission to use, copy, modify, and distribute this
// software is freely granted, provided that this notice
// is preserved.
// ====================================================

import "math"

// Cbrt is Math.cbrt.
func Cbrt(x float64) float64 {
	const (
		B1 = 715094163 // (1023-1023/3-0.03306235651)*2**20
		B2 = 696219795 // (1023-1023/3-54/3-0.03306235651)*2**20
		P0 = 1.87595182427177009643
		P1 = -1.88497979543377169875
		P2 = 1.621429720105354466140
		P3 = -0.758397934778766047437
		P4 = 0.145996192886612446982
	)
	hx := uint32(hi(x))
	low := lo(x)
	sign := hx & 0x80000000
	hx ^= sign
	if hx >= 0x7FF00000 {
		return x + x
	}
	var t float64
	if hx < 0x00100000 { // zero or subnormal
		if hx|low == 0 {
			return x
		}
		t = fromWords(0x43500000, 0) // 2^54
		t *= x
		high := uint32(hi(t))
		t = fromWords(int32(sign|((high&0x7FFFFFFF)/3+B2)), 0)
	} else {
		t = fromWords(int32(sign|(hx/3+B1)), 0)
	}
	r := float64(t*t) * (t / x)
	t = t * (float64(P0+float64(r*(P1+float64(r*P2)))) + float64(float64(float64(r*r)*r)*(P3+float64(r*P4))))
	t = math.Float64frombits((math.Float64bits(t) + 0x80000000) & 0xFFFFFFFFC0000000)
	s := t * t
	r = x / s
	w := t + t
	r = (r - t) / (w + r)
	return t + float64(t*r)
}

// Cosh is Math.cosh.
func Cosh(x float64) float64 {
	const overflow = 710.4758600739439
	ix := hi(x) & 0x7FFFFFFF
	if ix < 0x3FD62E43 { // |x| < 0.5*ln2
		t := Expm1(math.Abs(x))
		w := 1 + t
		if ix < 0x3C800000 {
			return w
		}
		return 1 + float64(t*t)/(w+w)
	}
	if ix < 0x40360000 { // |x| < 22
		t := Exp(math.Abs(x))
		return float64(0.5*t) + 0.5/t
	}
	if ix < 0x40862E42 {
		return 0.5 * Exp(math.Abs(x))
	}
	if math.Abs(x) <= overflow {
		w := Exp(0.5 * math.Abs(x))
		t := 0.5 * w
		return t * w
	}
	if ix >= 0x7FF00000 {
		return x * x
	}
	return math.Inf(1)
}

// Sinh is Math.sinh.
func Sinh(x float64) float64 {
	const (
		overflow = 710.4758600739439
		twoM28   = 3.725290298461914e-9
		logMaxD  = 709.7822265625
		shuge    = 1.0e307
	)
	h := 0.5
	if x < 0 {
		h = -0.5
	}
	ax := math.Abs(x)
	if ax < 22 {
		if ax < twoM28 {
			return x
		}
		t := Expm1(ax)
		if ax < 1 {
			return h * (float64(2*t) - float64(t*t)/(t+1))
		}
		return h * (t + t/(t+1))
	}
	if ax < logMaxD {
		return h * Exp(ax)
	}
	if ax <= overflow {
		w := Exp(0.5 * ax)
		t := h * w
		return t * w
	}
	return x * shuge
}

// Tanh is Math.tanh.
func Tanh(x float64) float64 {
	const tiny = 1.0e-300
	jx := hi(x)
	ix := jx & 0x7FFFFFFF
	if ix >= 0x7FF00000 {
		if jx >= 0 {
			return 1/x + 1
		}
		return 1/x - 1
	}
	var z float64
	if ix < 0x40360000 { // |x| < 22
		if ix < 0x3E300000 { // |x| < 2^-28
			return x
		}
		if ix >= 0x3FF00000 { // |x| >= 1
			t := Expm1(2 * math.Abs(x))
			z = 1 - 2/(t+2)
		} else {
			t := Expm1(-2 * math.Abs(x))
			z = -t / (t + 2)
		}
	} else {
		z = 1 - tiny
	}
	if jx >= 0 {
		return z
	}
	return -z
}
