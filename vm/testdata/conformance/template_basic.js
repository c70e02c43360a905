const x = 5;
const name = "ES";
console.log(`x=${x}`);
console.log(`${name}-${x * 2}`);
console.log(`plain`);
console.log(`a${1}b${2}c`);
console.log(`${x}${x}`);
