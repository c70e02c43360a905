console.log(1 < 2, 2 < 1, 1 <= 1, 2 <= 1, 2 > 1, 1 > 2, 1 >= 1, 0 >= 1);
console.log(NaN < 1, NaN > 1, NaN <= NaN, NaN >= NaN);
console.log(-0 < 0, -0 <= 0, Infinity > 1e308, -Infinity < -1e308);
