import { describe, expect, it } from 'vitest';
import type { Product } from '@ordercast/shared';
import { product } from './fixtures';
import { searchIndex, searchMenu } from '../../src/logic/search';

const dish = (id: number, name: string, name_en: string, description = '', description_en = ''): Product => ({ ...product(id, 100), name, name_en, description, description_en });

const menu = [
  dish(1, 'Гуляш-суп', 'Goulash soup', 'Густой венгерский суп с говядиной', 'Thick Hungarian soup with beef'),
  dish(2, 'Борщ', 'Borscht', 'Свекольный борщ со сметаной', 'Beetroot soup with sour cream'),
  dish(7, 'Пельмени', 'Pelmeni', 'Ручная лепка, говядина и свинина', 'Hand-made beef and pork dumplings'),
  dish(15, 'Сырники', 'Syrniki', 'Творожные сырники со сметаной', 'Cottage cheese pancakes with sour cream'),
  dish(12, 'Винегрет', 'Vinaigrette salad', 'Свёкла, квашеная капуста', 'Beetroot, sauerkraut, pickles'),
];
const find = (q: string) => searchMenu(searchIndex(menu), q).map((p) => p.id);

describe('menu search', () => {
  it('finds by name in either language, any case', () => {
    expect(find('Борщ')).toEqual([2]);
    expect(find('borscht')).toEqual([2]);
    expect(find('ПЕЛЬМЕНИ')).toEqual([7]);
  });

  it('forgives a typo or a missing letter ("борш" finds "Борщ")', () => {
    expect(find('борш')).toEqual([2]);
    expect(find('pelmeny')).toEqual([7]);
    expect(find('сырнеки')).toEqual([15]);
    expect(find('gulash')).toEqual([1]);
  });

  it('searches descriptions too, dishes matching by name first', () => {
    expect(find('сметана')).toEqual([2, 15]);
    expect(find('beetroot')).toEqual([2, 12]);
    expect(find('свекла')).toEqual([12]); // ё and е alike
    expect(find('dumplings')).toEqual([7]);
  });

  it('every typed word must match; nothing for nonsense or an empty query', () => {
    expect(find('soup hungarian')).toEqual([1]);
    expect(find('zzzz')).toEqual([]);
    expect(find('  ')).toEqual([]);
    expect(find('ab')).toEqual([]);
  });
});
