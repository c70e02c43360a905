console.log(Math.exp(0), Math.exp(1), Math.exp(-1));
console.log(Math.log(1), Math.log(Math.E), Math.log(0), Math.log(-1));
console.log(Math.log2(8), Math.log2(1024), Math.round(Math.log2(3) * 1e9) / 1e9);
console.log(Math.log10(1000), Math.log10(0.001), Math.log10(2));
console.log(Math.exp(710), Math.exp(-1000));
