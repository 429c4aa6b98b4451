import { describe, expect, it, vi } from 'vitest';
import { defineComponent, h, nextTick, ref } from 'vue';
import { mount } from '@vue/test-utils';
import { mainButton, useMainButton } from '../../src/composables/useMainButton';
import MainButtonBar from '../../src/components/MainButtonBar.vue';

describe('MainButton state and its in-page mirror', () => {
  it('a screen owns the button while mounted; the bar mirrors text, progress and clicks', async () => {
    const onClick = vi.fn();
    const progress = ref(false);
    const Screen = defineComponent({
      setup() {
        useMainButton(() => ({ text: 'Place order · ₽1,240', progress: progress.value, onClick }));
        return () => h('div');
      },
    });
    const screen = mount(Screen);
    const bar = mount(MainButtonBar);
    await nextTick();
    const button = bar.get('[data-testid="main-button"]');
    expect(button.text()).toBe('Place order · ₽1,240');
    await button.trigger('click');
    expect(onClick).toHaveBeenCalledTimes(1);

    // While the order is on its way: spinner, disabled, taps ignored.
    progress.value = true;
    await nextTick();
    expect(button.attributes('aria-busy')).toBe('true');
    expect(button.attributes('disabled')).toBeDefined();
    await button.trigger('click');
    expect(onClick).toHaveBeenCalledTimes(1);

    screen.unmount();
    await nextTick();
    expect(mainButton.value).toBeNull();
    expect(bar.find('[data-testid="main-button"]').exists()).toBe(false);
  });
});
