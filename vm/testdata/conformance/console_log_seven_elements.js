console.log([1, 2, 3, 4, 5, 6, 7]);
console.log(["a", "b", "c", "d", "e", "f", "g"]);
console.log([1.5, -2, 300, 4e21, NaN, -0, 7]);
console.log([true, false, null, undefined, 1, "x", 2]);
console.log([[1], [2], [3], [4], [5], [6], [7]]);
