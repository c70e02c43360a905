const a = 2;
console.log(`outer ${`inner ${a}`} done`);
console.log(`${a > 1 ? `big ${a}` : "small"}`);
