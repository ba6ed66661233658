// Shared by the Verilator runners of the generated camera (native_harness.cpp and
// serve_harness.cpp): the camera's inputs at rest, its outputs as bits, and the faster clocking
// of Verilator 5 (used only where the Verilator version has the internals it relies on).

#ifndef CAMTWIN_CAMERA_HARNESS_H
#define CAMTWIN_CAMERA_HARNESS_H

#include "Vdut.h"
#include "Vdut___024root.h"

namespace {

// The falling clock edge changes nothing in this design (every register is on the rising edge):
// when no input changed either, a full eval() with the clock low would only recompute settled
// logic. Verilator detects the next rising edge by comparing clk with the value it saw in the
// previous eval(); clearing that value (a Verilator 5 internal, used only when it exists)
// stands in for the low-clock eval and saves about a third of the time per cycle.
template <class R>
auto clock_low_without_eval(R* root, int) -> decltype(root->__Vtrigprevexpr___TOP__clk__0 = 0,
                                                      bool()) {
    root->clk = 0;
    root->__Vtrigprevexpr___TOP__clk__0 = 0;
    return true;
}
template <class R>
bool clock_low_without_eval(R*, long) {
    return false;
}

// Before reset: rst high, the pins low, the AXI4-Lite master idle (BREADY and RREADY always
// high, AWPROT and ARPROT zero), the clock low; evaluated once.
void hold_in_reset(Vdut& d) {
    d.rst = 1;
    d.line1_in = 0;
    d.line2_i = 0;
    d.s_axil_awvalid = 0;
    d.s_axil_wvalid = 0;
    d.s_axil_arvalid = 0;
    d.s_axil_awprot = 0;
    d.s_axil_arprot = 0;
    d.s_axil_bready = 1;
    d.s_axil_rready = 1;
    d.clk = 0;
    d.eval();
}

// The outputs as bits, in the runners' signal order (bit i = signal index i): frame_start,
// exposure_active, frame_trigger_wait, acquisition_active, line0_out, line2_o, line2_oe.
unsigned output_bits(Vdut& d) {
    return (d.frame_start & 1u) | (d.exposure_active & 1u) << 1 |
           (d.frame_trigger_wait & 1u) << 2 | (d.acquisition_active & 1u) << 3 |
           (d.line0_out & 1u) << 4 | (d.line2_o & 1u) << 5 | (d.line2_oe & 1u) << 6;
}

}  // namespace

// The rising edge needs only Verilator's active and NBA phases: the input-combinational phase
// that eval() runs first would recompute logic of inputs that have not changed since the
// clock-low step (they only change between a rising edge and the next clock-low step). Weak
// declarations of these Verilator 5 internals: when a Verilator version does not have them,
// they are null and the loop calls eval(). About 1.5x faster for the camera.
bool Vdut___024root___eval_phase__act(Vdut___024root*) __attribute__((weak));
bool Vdut___024root___eval_phase__nba(Vdut___024root*) __attribute__((weak));

#endif
