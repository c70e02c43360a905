console.log(Math.atan2(-0, 0), Math.atan2(0, -0), Math.atan2(-0, -0), Math.atan2(-1, -0), Math.atan2(0, 0));
console.log(Math.pow(-0, 3), Math.pow(-0, -3), Math.pow(-0, 2), Math.pow(-0, -2), (-0) ** 0.5, Math.pow(-Infinity, 3), Math.pow(-Infinity, -3));
console.log(Math.cbrt(-0), Math.exp(-0), Math.hypot(-0), Math.hypot(-0, -0), Math.max(-0), Math.min(0), Math.round(-0), Math.trunc(-0.9));
console.log(Math.fround(-0), Math.sinh(-0), Math.tanh(-0), Math.asin(-0), Math.atan(-0), Math.log1p(-0), Math.expm1(-0), Math.sqrt(-0), Math.cosh(-0));
console.log(Math.floor(-0.5), Math.ceil(-0.5), Math.ceil(-0.9999), Math.round(-0.5000000000000001), Math.round(0.5000000000000001), Math.round(-1e-320));
console.log(Math.pow(1, Infinity), Math.pow(-1, Infinity), Math.pow(0.5, -Infinity), Math.pow(NaN, 0), Math.pow(2, NaN), 1 ** Infinity, (-1) ** -Infinity);
console.log(Math.min(-0, 0, -0), Math.max(0, -0, 0), Math.hypot(NaN, Infinity), Math.hypot(3, NaN), Math.max(NaN), Math.min(Infinity, NaN));
console.log(Math.log(-0), Math.log2(-0), Math.log10(-0), Math.log(0), 1 / Math.log1p(-0), Math.exp(-Infinity), Math.tan(-0), Math.sin(-0), Math.cos(-0));
