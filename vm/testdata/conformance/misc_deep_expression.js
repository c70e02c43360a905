const a = 3, b = 4, c = 5;
console.log(((a + b) * (c - a) / (b % c)) ** 2 - ~a + (a << 2) - (c >> 1));
console.log((a > b) === (c < a) ? "same" : "diff");
