console.log(1 === 1, 1 === 2, 1 !== 2);
console.log(0 === -0, NaN === NaN);
console.log(1 === "1", null === undefined, null === null, undefined === undefined);
console.log(true === 1, "" === 0, false === false);
const a = [1];
const b = [1];
console.log(a === a, a === b);
const o = {};
console.log(o === o, o !== {});
