console.log(Math.floor(1.5), Math.floor(-1.5), Math.floor(2), Math.floor(-0.5));
console.log(Math.ceil(1.5), Math.ceil(-1.5), Math.ceil(2), Math.ceil(-0.5));
console.log(Math.floor(-0), Math.ceil(0.2), Math.floor(Infinity), Math.ceil(NaN));
console.log(Math.floor(1e21 + 0.5), Math.ceil(-1e-300));
