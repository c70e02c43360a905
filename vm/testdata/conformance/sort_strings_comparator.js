const a = ["pear", "apple", "fig", "banana"];
a.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
console.log(a);
a.sort((x, y) => x.length - y.length);
console.log(a);
