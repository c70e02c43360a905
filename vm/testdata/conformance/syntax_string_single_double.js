console.log('a' + "b" + `c`, 'it\'s', "say \"hi\"");
