console.log(((x) => x * 2)(21));
console.log((function (y) { return y + 1; })(41));
