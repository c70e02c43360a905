// line comment
let x = 1; // trailing
/* block
   comment */
x += /* inline */ 2;
console.log(x);
