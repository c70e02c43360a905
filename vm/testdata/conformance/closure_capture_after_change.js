let x = 1;
const get = () => x;
x = 2;
console.log(get());
function outer() {
  let y = 1;
  const f = () => y;
  y = 5;
  return f;
}
console.log(outer()());
