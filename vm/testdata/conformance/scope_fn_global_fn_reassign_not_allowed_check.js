let f = () => 1;
const g = f;
f = () => 2;
console.log(g(), f());
