const o = { default: 1, new: 2, class: 3, if: 4, return: 5 };
console.log(o.default + o.new + o.class + o.if + o.return, o);
