import csv,glob,statistics as st,sys
from collections import defaultdict
base=sys.argv[1] if len(sys.argv)>1 else '.'
def load(d):
    s=defaultdict(list)
    try: rows=list(csv.DictReader(open(d+'/scaling-steps.csv')))
    except FileNotFoundError: return None
    for r in rows: s[(r['norm'],r['workers'],r['rank'])].append((float(r['step_ms']),float(r['compute_ms']),float(r['syncbn_ms']),float(r['wait_ms'])))
    out={}
    for (n,w,rk),v in s.items():
        out.setdefault((n,w),[]).append([st.median(x[i] for x in v) for i in range(4)])
    return out
rat=defaultdict(list)
for r in range(1,20):
    a=load(f'{base}/r{r}-A'); b=load(f'{base}/r{r}-B')
    if not a or not b: continue
    line=f'round {r}:'
    for k in [('syncbn','2'),('bn','2'),('syncbn','1'),('bn','1')]:
        if k in a and k in b:
            sa=max(x[0] for x in a[k]); sb=max(x[0] for x in b[k])
            ca=st.mean(x[1] for x in a[k]); cb=st.mean(x[1] for x in b[k])
            rat[k].append(sa/sb); rat[k+('c',)].append(ca/cb)
            line+=f' {k[0]}@{k[1]} A {sa:.1f} B {sb:.1f} ({sa/sb:.3f}; comp {ca:.1f}/{cb:.1f})'
    # efficiency within invocation
    for lab,d in (('A',a),('B',b)):
        if ('syncbn','2') in d:
            t1=min(max(x[0] for x in d[('syncbn','1')]),max(x[0] for x in d[('bn','1')]))
            rat['eff'+lab].append(t1/max(x[0] for x in d[('syncbn','2')]))
    print(line)
for k,v in rat.items(): print(k,'median',round(st.median(v),3),'n',len(v))
