console.log(Math.abs(-5), Math.abs(5), Math.abs(-0), Math.abs(-Infinity), Math.abs(NaN), Math.abs(-1.5));
