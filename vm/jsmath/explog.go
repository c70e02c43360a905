package jsmath

// fdlibm's exp, expm1 and log as V8 adapted them (src/base/ieee754.cc).
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

const (
	ln2Hi  = 6.93147180369123816490e-01 // 0x3FE62E42, 0xFEE00000
	ln2Lo  = 1.90821492927058770002e-10 // 0x3DEA39EF, 0x35793C76
	invln2 = 1.44269504088896338700e+00 // 0x3FF71547, 0x652B82FE
	two54  = 1.80143985094819840000e+16
)

// Exp is Math.exp.
func Exp(x float64) float64 {
	const (
		oThreshold = 7.09782712893383973096e+02
		uThreshold = -7.45133219101941108420e+02
		P1         = 1.66666666666666019037e-01
		P2         = -2.77777777770155933842e-03
		P3         = 6.61375632143793436117e-05
		P4         = -1.65339022054652515390e-06
		P5         = 4.13813679705723846039e-08
		E          = 2.718281828459045
		twom1000   = 9.33263618503218878990e-302
		two1023    = 8.988465674311579539e307
	)
	halF := [2]float64{0.5, -0.5}
	ln2HIs := [2]float64{ln2Hi, -ln2Hi}
	ln2LOs := [2]float64{ln2Lo, -ln2Lo}
	hx := uint32(hi(x))
	xsb := int((hx >> 31) & 1)
	hx &= 0x7FFFFFFF
	if hx >= 0x40862E42 { // |x| >= 709.78
		if hx >= 0x7FF00000 {
			if (hx&0xFFFFF)|lo(x) != 0 {
				return x + x
			}
			if xsb == 0 {
				return x
			}
			return 0
		}
		if x > oThreshold {
			return math.Inf(1)
		}
		if x < uThreshold {
			return 0
		}
	}
	var hi0, lo0 float64
	k := int32(0)
	if hx > 0x3FD62E42 { // |x| > 0.5 ln2
		if hx < 0x3FF0A2B2 { // |x| < 1.5 ln2
			if x == 1.0 {
				return E
			}
			hi0 = x - ln2HIs[xsb]
			lo0 = ln2LOs[xsb]
			k = int32(1 - xsb - xsb)
		} else {
			k = int32(float64(invln2*x) + halF[xsb])
			t := float64(k)
			hi0 = x - float64(t*ln2Hi)
			lo0 = t * ln2Lo
		}
		x = hi0 - lo0
	} else if hx < 0x3E300000 { // |x| < 2^-28
		return 1 + x
	}
	t := x * x
	var twopk float64
	if k >= -1021 {
		twopk = fromWords(0x3FF00000+k<<20, 0)
	} else {
		twopk = fromWords(0x3FF00000+(k+1000)<<20, 0)
	}
	c := x - float64(t*(P1+float64(t*(P2+float64(t*(P3+float64(t*(P4+float64(t*P5)))))))))
	if k == 0 {
		return 1 - (float64(x*c)/(c-2.0) - x)
	}
	y := 1 - ((lo0 - float64(x*c)/(2.0-c)) - hi0)
	if k >= -1021 {
		if k == 1024 {
			return y * 2.0 * two1023
		}
		return y * twopk
	}
	return y * twopk * twom1000
}

// Expm1 is Math.expm1.
func Expm1(x float64) float64 {
	const (
		oThreshold = 7.09782712893383973096e+02
		Q1         = -3.33333333333331316428e-02
		Q2         = 1.58730158725481460165e-03
		Q3         = -7.93650757867487942473e-05
		Q4         = 4.00821782732936239552e-06
		Q5         = -2.01099218183624371326e-07
	)
	hx := uint32(hi(x))
	xsb := hx & 0x80000000
	hx &= 0x7FFFFFFF
	if hx >= 0x4043687A { // |x| >= 56*ln2
		if hx >= 0x40862E42 { // |x| >= 709.78
			if hx >= 0x7FF00000 {
				if (hx&0xFFFFF)|lo(x) != 0 {
					return x + x
				}
				if xsb == 0 {
					return x
				}
				return -1
			}
			if x > oThreshold {
				return math.Inf(1)
			}
		}
		if xsb != 0 {
			return -1
		}
	}
	var hi0, lo0, c float64
	var k int32
	if hx > 0x3FD62E42 { // |x| > 0.5 ln2
		if hx < 0x3FF0A2B2 { // |x| < 1.5 ln2
			if xsb == 0 {
				hi0, lo0, k = x-ln2Hi, ln2Lo, 1
			} else {
				hi0, lo0, k = x+ln2Hi, -ln2Lo, -1
			}
		} else {
			if xsb == 0 {
				k = int32(float64(invln2*x) + 0.5)
			} else {
				k = int32(float64(invln2*x) - 0.5)
			}
			t := float64(k)
			hi0 = x - float64(t*ln2Hi)
			lo0 = t * ln2Lo
		}
		x = hi0 - lo0
		c = (hi0 - x) - lo0
	} else if hx < 0x3C900000 { // |x| < 2^-54
		return x
	}
	hfx := 0.5 * x
	hxs := x * hfx
	r1 := 1 + float64(hxs*(Q1+float64(hxs*(Q2+float64(hxs*(Q3+float64(hxs*(Q4+float64(hxs*Q5)))))))))
	t := 3.0 - float64(r1*hfx)
	e := hxs * ((r1 - t) / (6.0 - float64(x*t)))
	if k == 0 {
		return x - (float64(x*e) - hxs)
	}
	twopk := fromWords(0x3FF00000+k<<20, 0)
	e = float64(x*(e-c)) - c
	e -= hxs
	if k == -1 {
		return float64(0.5*(x-e)) - 0.5
	}
	if k == 1 {
		if x < -0.25 {
			return -2.0 * (e - (x + 0.5))
		}
		return 1 + float64(2.0*(x-e))
	}
	if k <= -2 || k > 56 {
		y := 1 - (e - x)
		if k == 1024 {
			y = y * 2.0 * 8.98846567431158e+307
		} else {
			y = y * twopk
		}
		return y - 1
	}
	var y float64
	if k < 20 {
		t = fromWords(0x3FF00000-(0x200000>>k), 0) // 1 - 2^-k
		y = t - (e - x)
		y = y * twopk
	} else {
		t = fromWords((0x3FF-k)<<20, 0) // 2^-k
		y = x - (e + t)
		y += 1
		y = y * twopk
	}
	return y
}

// Log is Math.log.
func Log(x float64) float64 {
	const (
		Lg1 = 6.666666666666735130e-01
		Lg2 = 3.999999999940941908e-01
		Lg3 = 2.857142874366239149e-01
		Lg4 = 2.222219843214978396e-01
		Lg5 = 1.818357216161805012e-01
		Lg6 = 1.531383769920937332e-01
		Lg7 = 1.479819860511658591e-01
	)
	hx, lx := hi(x), lo(x)
	k := int32(0)
	if hx < 0x00100000 { // x < 2^-1022
		if (hx&0x7FFFFFFF)|int32(lx) == 0 {
			return math.Inf(-1)
		}
		if hx < 0 {
			return math.NaN()
		}
		k -= 54
		x *= two54
		hx = hi(x)
	}
	if hx >= 0x7FF00000 {
		return x + x
	}
	k += (hx >> 20) - 1023
	hx &= 0x000FFFFF
	i := (hx + 0x95F64) & 0x100000
	x = withHigh(x, hx|(i^0x3FF00000)) // normalize x or x/2
	k += i >> 20
	f := x - 1.0
	if (0x000FFFFF & (2 + hx)) < 3 { // -2^-20 <= f < 2^-20
		if f == 0 {
			if k == 0 {
				return 0
			}
			dk := float64(k)
			return float64(dk*ln2Hi) + float64(dk*ln2Lo)
		}
		R := float64(f*f) * (0.5 - float64(0.33333333333333333*f))
		if k == 0 {
			return f - R
		}
		dk := float64(k)
		return float64(dk*ln2Hi) - ((R - float64(dk*ln2Lo)) - f)
	}
	s := f / (2.0 + f)
	dk := float64(k)
	z := s * s
	i = hx - 0x6147A
	w := z * z
	j := 0x6B851 - hx
	t1 := w * (Lg2 + float64(w*(Lg4+float64(w*Lg6))))
	t2 := z * (Lg1 + float64(w*(Lg3+float64(w*(Lg5+float64(w*Lg7))))))
	i |= j
	R := t2 + t1
	if i > 0 {
		hfsq := float64(0.5*f) * f
		if k == 0 {
			return f - (hfsq - float64(s*(hfsq+R)))
		}
		return float64(dk*ln2Hi) - ((hfsq - (float64(s*(hfsq+R)) + float64(dk*ln2Lo))) - f)
	}
	if k == 0 {
		return f - float64(s*(f-R))
	}
	return float64(dk*ln2Hi) - ((float64(s*(f-R)) - float64(dk*ln2Lo)) - f)
}

// kLog1p returns log(1+f) - f for 1+f in ~[sqrt(2)/2, sqrt(2)] (FreeBSD's k_log.h).
func kLog1p(f float64) float64 {
	const (
		Lg1 = 6.666666666666735130e-01
		Lg2 = 3.999999999940941908e-01
		Lg3 = 2.857142874366239149e-01
		Lg4 = 2.222219843214978396e-01
		Lg5 = 1.818357216161805012e-01
		Lg6 = 1.531383769920937332e-01
		Lg7 = 1.479819860511658591e-01
	)
	s := f / (2.0 + f)
	z := s * s
	w := z * z
	t1 := w * (Lg2 + float64(w*(Lg4+float64(w*Lg6))))
	t2 := z * (Lg1 + float64(w*(Lg3+float64(w*(Lg5+float64(w*Lg7))))))
	R := t2 + t1
	hfsq := float64(0.5*f) * f
	return s * (hfsq + R)
}

// Log2 is Math.log2.
func Log2(x float64) float64 {
	const (
		ivln2hi = 1.44269504072144627571e+00 // 0x3FF71547, 0x65200000
		ivln2lo = 1.67517131648865118353e-10 // 0x3DE705FC, 0x2EEFA200
	)
	hx, lx := hi(x), lo(x)
	k := int32(0)
	if hx < 0x00100000 {
		if (hx&0x7FFFFFFF)|int32(lx) == 0 {
			return math.Inf(-1)
		}
		if hx < 0 {
			return math.NaN()
		}
		k -= 54
		x *= two54
		hx = hi(x)
	}
	if hx >= 0x7FF00000 {
		return x + x
	}
	if hx == 0x3FF00000 && lx == 0 {
		return 0
	}
	k += (hx >> 20) - 1023
	hx &= 0x000FFFFF
	i := (hx + 0x95F64) & 0x100000
	x = withHigh(x, hx|(i^0x3FF00000))
	k += i >> 20
	y := float64(k)
	f := x - 1.0
	hfsq := float64(0.5*f) * f
	r := kLog1p(f)
	h := withLow(f-hfsq, 0)
	l := ((f - h) - hfsq) + r
	valHi := h * ivln2hi
	valLo := float64((l+h)*ivln2lo) + float64(l*ivln2hi)
	w := y + valHi
	valLo += (y - w) + valHi
	valHi = w
	return valLo + valHi
}

// Log10 is Math.log10.
func Log10(x float64) float64 {
	const (
		ivln10   = 4.34294481903251816668e-01
		log102hi = 3.01029995663611771306e-01 // 0x3FD34413, 0x509F6000
		log102lo = 3.69423907715893078616e-13 // 0x3D59FEF3, 0x11F12B36
	)
	hx, lx := hi(x), lo(x)
	k := int32(0)
	if hx < 0x00100000 {
		if (hx&0x7FFFFFFF)|int32(lx) == 0 {
			return math.Inf(-1)
		}
		if hx < 0 {
			return math.NaN()
		}
		k -= 54
		x *= two54
		hx, lx = hi(x), lo(x)
	}
	if hx >= 0x7FF00000 {
		return x + x
	}
	if hx == 0x3FF00000 && lx == 0 {
		return 0
	}
	k += (hx >> 20) - 1023
	i := int32((uint32(k) & 0x80000000) >> 31)
	hx = (hx & 0x000FFFFF) | ((0x3FF - i) << 20)
	y := float64(k + i)
	x = fromWords(hx, lx)
	z := float64(y*log102lo) + float64(ivln10*Log(x))
	return z + float64(y*log102hi)
}
