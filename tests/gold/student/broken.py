raise RuntimeError('<img src=x onerror=alert(2)> half done')
