const obj0 = { a: 0.5477225575051661, b: 0.005555555555555556, c: 0.5477225575051661 };
console.log("obj0", obj0);
console.log(obj0);
console.log({ a: 0.5477225575051661, b: 0.00555555555555555, c: 0.5477225575051661 });
console.log({ a: 0.5477225575051661, b: 0.0055555555555555, c: 0.5477225575051661 });
console.log([[1,2,3],[4,5,6]], "x", [0.5477225575051661, 0.005555555555555556, 0.5477225575051661, 0.0055555555]);
console.log({ px: 100, qty: 2, side: "buy", tag: "abcdefghijklmnopqrstuvw", n: null, ok: true });
console.log({ px: 100, qty: 2, side: "buy", tag: "abcdefghijklmnopqrstuvwxy", n: null, ok: true });
console.log([{ a: 1, b: [1, 2] }, { long: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" }]);
