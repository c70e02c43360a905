const a = [{ x: 1 }, { x: 2, y: "b" }];
console.log(a);
console.log(a[1].y);
