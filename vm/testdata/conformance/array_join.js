console.log([1, 2, 3].join());
console.log([1, 2, 3].join("-"));
console.log([1.5, -0, NaN, 1e21].join(" "));
console.log(["a", "b"].join(""));
console.log([].join(","), [7].join(","));
console.log([null, undefined, true].join("|"));
