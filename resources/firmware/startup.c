/* Bare-metal startup for Cortex-M (TinyForge firmware template).
 * Vector table, .data copy, .bss zero, stack painting (for the high-water mark), FPU enable,
 * then main(); the exit code goes to the host through semihosting SYS_EXIT_EXTENDED. */
#include <stdint.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _sstack, _estack;
int main(void);
void Reset_Handler(void);
void Fault_Handler(void);
void SysTick_Handler(void);
void tf_semihost_exit(int code);
void tf_semihost_write(const char* text);

#define TF_STACK_PAINT 0xC0FFEE11u

static int semihost_call(int op, void* arg) {
  register int r0 __asm__("r0") = op;
  register void* r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void tf_semihost_write(const char* text) { semihost_call(0x04, (void*)text); }

void tf_semihost_exit(int code) {
  volatile uint32_t block[2] = {0x20026u, (uint32_t)code}; /* ADP_Stopped_ApplicationExit */
  semihost_call(0x20, (void*)block);
  for (;;) {
  }
}

__attribute__((naked)) void Reset_Handler(void) {
  __asm__ volatile(
      ".syntax unified\n"
      "ldr r0, =_sstack\n"
      "ldr r1, =_estack\n"
      "ldr r2, =0xC0FFEE11\n"
      "1: cmp r0, r1\n"
      "bhs 2f\n"
      "str r2, [r0]\n"
      "adds r0, r0, #4\n"
      "b 1b\n"
      "2: b tf_reset_c\n");
}

void tf_reset_c(void) __attribute__((used));
void tf_reset_c(void) {
  uint32_t* src = &_sidata;
  for (uint32_t* dst = &_sdata; dst < &_edata;) *dst++ = *src++;
  for (uint32_t* dst = &_sbss; dst < &_ebss;) *dst++ = 0;
#if defined(__ARM_FP)
  *(volatile uint32_t*)0xE000ED88u |= (0xFu << 20); /* CPACR: CP10, CP11 full access */
  __asm__ volatile("dsb\nisb");
#endif
  tf_semihost_exit(main());
}

void Fault_Handler(void) {
  tf_semihost_write("TF fault: the firmware took a fault exception (HardFault/MemManage/BusFault/UsageFault)\n");
  tf_semihost_exit(3);
}

__attribute__((section(".isr_vector"), used)) const void* const g_tf_vectors[16] = {
    &_estack,      Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
    Fault_Handler, 0,             0,             0,             0,             Fault_Handler,
    Fault_Handler, 0,             Fault_Handler, SysTick_Handler};

/* Bytes of stack ever used: the painted words that were overwritten. */
uint32_t tf_stack_high_water(void) {
  const uint32_t* p = &_sstack;
  while (p < &_estack && *p == TF_STACK_PAINT) ++p;
  return (uint32_t)((const uint8_t*)&_estack - (const uint8_t*)p);
}
