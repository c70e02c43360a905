console.log(Number.isInteger(1), Number.isInteger(1.5), Number.isInteger(-0), Number.isInteger(NaN), Number.isInteger(Infinity), Number.isInteger(1e21));
