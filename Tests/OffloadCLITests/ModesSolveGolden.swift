// The expected output of `offload modes solve` (configuration (a), B = 50, gamma = 0.99, nu = sum
// of rates; placeholder values of docs/service-modes.md §S9). ModesGoldenTests checks the command
// against it and checks its content against independent facts (hand values and a policy iteration
// that does not share code with value iteration).
let modesSolveGolden = #"""
  # offload 0.7.0 modes solve: config=a load=0.5 cloud_speedup=5.0 local_fraction=0.6 local_rate=1.0 buffer=50 cloud_buffer=50 discount=0.99 uniformization=sum criterion=discounted method=gauss-seidel tolerance=1e-12 tolerance_mode=relative max_iterations=1000000 placeholders=load;cloud_speedup;local_fraction;buffer;cloud_buffer;discount window=25 truncation_check=true
  Service-mode offloading: optimal policy (discounted criterion)
  configuration  (a) baseline; PLACEHOLDER values (the paper's were lost, docs/service-modes.md §S0, §S9): load, cloud_speedup, local_fraction, buffer, cloud_buffer, discount
  parameters     rho = 0.5, K = 5, f = 0.6, mu0 = 1
  rates          lambda = 3, mu_c1 = 5, mu_l2 = 1.66667, mu_c2 = 12.5
  truncation     B = 50, B2 = 50, 10404 states
  discount       gamma = 0.99, beta = 0.223906 (nu = 22.1667, sum of rates)
  solver         value iteration (gauss-seidel, Anderson 1): converged after 231 iterations, error bound 6.8e-10, tie tolerance 6.3e-07
  solver (2B)    value iteration (gauss-seidel, Anderson 1): converged after 294 iterations, error bound 2.9e-09, tie tolerance 1.5e-06
  window         W = 25 (grids, thresholds and checks on xb, x2 <= W)

  policy on S_CF (x1 = 0, x2 = 0), rows xl, columns xb; codes 0 idle, 1 SM1, 2 SM2, 3 SM1+SM2
                   1111111111222222
    xl\xb 1234567890123456789012345
        1 1111111111111111111111111
        0 1133333333333333333333333

  policy with x1 = 1, xl = 0 (cloud holds an SM1 job), rows x2, columns xb
                    1111111111222222
    x2\xb 01234567890123456789012345
       25 02222222222222222222222222
       24 02222222222222222222222222
       23 02222222222222222222222222
       22 02222222222222222222222222
       21 02222222222222222222222222
       20 02222222222222222222222222
       19 02222222222222222222222222
       18 02222222222222222222222222
       17 02222222222222222222222222
       16 02222222222222222222222222
       15 02222222222222222222222222
       14 02222222222222222222222222
       13 02222222222222222222222222
       12 02222222222222222222222222
       11 02222222222222222222222222
       10 02222222222222222222222222
        9 02222222222222222222222222
        8 02222222222222222222222222
        7 02222222222222222222222222
        6 02222222222222222222222222
        5 02222222222222222222222222
        4 02222222222222222222222222
        3 02222222222222222222222222
        2 02222222222222222222222222
        1 00222222222222222222222222
        0 00222222222222222222222222

  policy with x1 = 0, xl = 0 (no SM1 job; row x2 = 0 is S_CF), rows x2, columns xb
                    1111111111222222
    x2\xb 01234567890123456789012345
       25 02222222222222222222222222
       24 02222222222222222222222222
       23 02222222222222222222222222
       22 02222222222222222222222222
       21 02222222222222222222222222
       20 02222222222222222222222222
       19 02222222222222222222222222
       18 02222222222222222222222222
       17 02222222222222222222222222
       16 02222222222222222222222222
       15 02222222222222222222222222
       14 02222222222222222222222222
       13 02222222222222222222222222
       12 02222222222222222222222222
       11 02222222222222222222222222
       10 02222222222222222222222222
        9 02222222222222222222222222
        8 02222222222222222222222222
        7 02222222222222222222222222
        6 02222222222222222222222222
        5 02222222222222222222222222
        4 00222222222222222222222222
        3 00222222222222222222222222
        2 00222222222222222222222222
        1 00022222222222222222222222
        0 01133333333333333333333333

  thresholds T1(n), T0(n): least xb >= 1 with SM2 on the line (xb, 0, x1, n), x1 = 1, 0
   n  T1         T0
   0   2  undefined
   1   2          3
   2   1          2
   3   1          2
   4   1          2
   5   1          1
   6   1          1
   7   1          1
   8   1          1
   9   1          1
  10   1          1
  11   1          1
  12   1          1
  13   1          1
  14   1          1
  15   1          1
  16   1          1
  17   1          1
  18   1          1
  19   1          1
  20   1          1
  21   1          1
  22   1          1
  23   1          1
  24   1          1
  25   1          1

  x2-direction thresholds: least x2 with SM2 at (xb, 0, x1, x2), x1 = 1, 0
  xb  x2_T1  x2_T0
   1      2      5
   2      0      2
   3      0      1
   4      0      1
   5      0      1
   6      0      1
   7      0      1
   8      0      1
   9      0      1
  10      0      1
  11      0      1
  12      0      1
  13      0      1
  14      0      1
  15      0      1
  16      0      1
  17      0      1
  18      0      1
  19      0      1
  20      0      1
  21      0      1
  22      0      1
  23      0      1
  24      0      1
  25      0      1

  structure                                     window W = 25           whole grid
  cloud-first (i): SM1 on all of S_CF           holds                   holds
  cloud-first (ii): no SM1 outside S_CF         holds                   holds
  switch-type                                   holds                   FAILS at 177 of 4426
  urgency-monotone (conjecture)                 holds                   FAILS at 99 of 5565
  T1, T0 non-increasing in n (window)           holds
  S_CF follows T1(0) (window)                   holds
  closure (whole grid)                          holds
  truncation: same window policy at 2B, 2B2     holds
  cloud-first holds                             yes                     yes
  min decision gap (window)                     0.201081 at (1,0,1,2)

  first counterexamples (at most 5 per property):
    switch-type, whole grid: act(1,0,0,49) = SM2 but act(1,0,0,50) = idle
    switch-type, whole grid: act(1,0,1,49) = SM2 but act(1,0,1,50) = idle
    switch-type, whole grid: act(2,0,0,49) = SM2 but act(2,0,0,50) = idle
    switch-type, whole grid: act(2,0,1,49) = SM2 but act(2,0,1,50) = idle
    switch-type, whole grid: act(3,0,0,49) = SM2 but act(3,0,0,50) = idle
    urgency-monotone (conjecture), whole grid: act(41,0,1,47) = idle but act(40,0,1,47) = SM2
    urgency-monotone (conjecture), whole grid: act(41,0,0,48) = idle but act(40,0,0,48) = SM2
    urgency-monotone (conjecture), whole grid: act(41,0,1,48) = idle but act(40,0,1,48) = SM2
    urgency-monotone (conjecture), whole grid: act(41,0,0,49) = idle but act(40,0,0,49) = SM2
    urgency-monotone (conjecture), whole grid: act(41,0,1,49) = idle but act(40,0,1,49) = SM2
  """#
