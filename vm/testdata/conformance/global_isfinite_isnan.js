console.log(isFinite(1), isFinite(Infinity), isFinite(NaN), isFinite(1e308));
console.log(isNaN(NaN), isNaN(1), isNaN(Infinity));
console.log(isFinite(-0), isNaN(-0));
