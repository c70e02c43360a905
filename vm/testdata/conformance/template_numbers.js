console.log(`${0.1 + 0.2}`);
console.log(`${1e21} ${1e-7} ${-0} ${NaN} ${Infinity}`);
console.log(`${2 ** 53}`);
console.log(`${1 / 3}`);
