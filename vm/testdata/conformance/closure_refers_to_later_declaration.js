const f = () => later * 2;
let later = 21;
console.log(f());
function useConst() { return K + 1; }
const K = 41;
console.log(useConst());
