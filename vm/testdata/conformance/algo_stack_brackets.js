function balanced(s) {
  const st = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "(" || c === "[") st.push(c);
    else if (c === ")") { if (st.pop() !== "(") return false; }
    else if (c === "]") { if (st.pop() !== "[") return false; }
  }
  return st.length === 0;
}
console.log(balanced("([])()"), balanced("(]"), balanced("(("), balanced(""));
