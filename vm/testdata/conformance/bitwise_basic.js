console.log(5 & 3);
console.log(5 | 3);
console.log(5 ^ 3);
console.log(~5);
console.log(1 << 4);
console.log(256 >> 4);
console.log(-256 >> 4);
console.log(-256 >>> 28);
console.log(0xff & 0x0f);
