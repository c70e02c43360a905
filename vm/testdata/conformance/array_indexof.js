const a = [5, 3, 5, NaN, -0, "x"];
console.log(a.indexOf(5), a.indexOf(3), a.indexOf(7));
console.log(a.indexOf(NaN), a.indexOf(0), a.indexOf("x"), a.indexOf("5"));
