console.log(1, "two", true, null, undefined);
console.log("a", "b");
console.log([1], { a: 1 }, "s");
