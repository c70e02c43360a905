console.log("a=" + [1, 2, 3]);
console.log("e=" + []);
console.log("o=" + { k: 1 });
console.log(`${[1, [2, 3]]}`);
