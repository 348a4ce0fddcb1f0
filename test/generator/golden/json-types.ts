/** Types the golden cases name in @json annotations (their jsonTypesModule). */
export interface Settings {
  theme: 'light' | 'dark';
  size: number;
}

export interface Tag {
  name: string;
}
