const r = (x) => Math.round(x * 1e9) / 1e9;
console.log(r(Math.asin(0.5)), r(Math.acos(0.5)), r(Math.atan(1)), Math.asin(2), Math.acos(1));
console.log(r(Math.sinh(1)), r(Math.cosh(1)), r(Math.tanh(0.5)), Math.tanh(Infinity));
console.log(r(Math.expm1(1e-10) * 1e10), r(Math.log1p(1e-10) * 1e10), Math.fround(1.1), Math.fround(0.5));
